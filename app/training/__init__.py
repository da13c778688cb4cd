"""Training from the page: the shipped training samples, jobs in their own process, their events."""
