"""Live state: one writer applies queued changes in order; readers take snapshots."""
