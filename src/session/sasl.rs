//! (session kit: sasl)
