"""mhv.themes"""
