"""The access log: who other than the patient read or changed her record, and when."""
