"""Customers out (SPEC 5.9): the public status page, private account pages, the in-app banner
feed and email, all built from the same approved customer notices and nothing else."""
