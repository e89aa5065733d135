"""Signals (SPEC 5.8): alerts and customer reports in, pure rules deciding what becomes of them."""
