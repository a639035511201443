//! Pure domain rules: no I/O, no web or database framework.
