"""The variant matrix: which combinations of answers are rendered and checked."""
