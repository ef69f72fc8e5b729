"""mhv.store"""
