"""Announcements: news the province's admins publish, listed newest first."""
