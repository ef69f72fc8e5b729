"""mhv.repos"""
