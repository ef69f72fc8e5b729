"""mhv.insights"""
