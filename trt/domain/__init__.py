"""Pure business logic: no I/O, no frameworks, values in and values out."""
