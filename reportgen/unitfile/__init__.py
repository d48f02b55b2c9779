"""unitfile"""
