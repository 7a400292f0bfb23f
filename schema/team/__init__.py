"""Teamwork and adoption: adopting an existing database, branches, merging and squashing revisions.
"""
