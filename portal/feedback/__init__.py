"""Feedback and petitions (phản ánh, kiến nghị): send, track, answer, publish, count."""
