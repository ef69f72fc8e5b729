"""mhv.cli"""
