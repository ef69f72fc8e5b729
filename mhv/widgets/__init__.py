"""mhv.widgets"""
