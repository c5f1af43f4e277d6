"""Jurang ETL: public sources -> validated, tidy district tables with provenance."""
