"""mhv.app"""
