"""mhv.sync"""
