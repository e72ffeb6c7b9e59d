"""``transit users``: the console's users, managed from the command line."""
