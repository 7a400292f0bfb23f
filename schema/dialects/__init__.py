"""Facts about the target databases (what they can express, table options, sequences) and the
validation of models against them.
"""
