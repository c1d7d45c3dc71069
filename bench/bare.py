"""The baseline of bench/pages.py: a bare Flask app, one small page, no database."""

from flask import Flask, render_template_string

app = Flask(__name__)
PAGE = (
    "<!doctype html><html lang=vi><title>{{ title }}</title><h1>{{ title }}</h1><p>{{ text }}</p>"
)


@app.route("/")
def index():
    return render_template_string(PAGE, title="Công Khai", text="Trang trống để so sánh.")
