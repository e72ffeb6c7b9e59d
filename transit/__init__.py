"""Real-time bus scheduling and passenger information: the domain core and the service."""
