"""The guidance applied to a patient's record: her facts gathered, the rules' flags worded for the reader."""
