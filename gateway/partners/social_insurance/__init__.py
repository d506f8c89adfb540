"""人社 social insurance: the bureau's contribution records, joined to the alliance's Person.

Paid contributions are how employment is verified in practice: a graduate reported as employed
whose employer pays no insurance is a case for follow-up.
"""
