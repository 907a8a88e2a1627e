//! (session kit: literal)
