"""mhv.tasks"""
