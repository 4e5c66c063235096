"""Reminder rules, their planned occurrences, devices, dispatch and the worker."""
