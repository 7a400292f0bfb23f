"""`tool diff`: two sides compared (``compare``) and rendered for a terminal, a pull request or
scripts (``report``).
"""
