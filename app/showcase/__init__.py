"""Showcase (活动风采): each station's public page of activities and ratings, rating photos, the county display."""
