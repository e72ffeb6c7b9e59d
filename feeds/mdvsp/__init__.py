"""The MDVSP benchmark at the edge: instance files in, and ``transit blocks --mdvsp``."""
