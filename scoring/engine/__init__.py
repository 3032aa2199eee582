"""The scoring engine: pure numpy/scipy, arrays in, arrays out. Imports nothing from Django."""
