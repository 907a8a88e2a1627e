"""Shared pieces of the side-by-side benchmarks (issue 19): the stacks under test and how they
are measured. Each stack runs its own processes with its own configuration on free loopback
ports, under a work directory of its own; nothing touches the system's services."""
