from playwright.sync_api import sync_playwright

with sync_playwright() as p:
    page = p.chromium.launch().new_page()
    page.on("console", lambda msg: print(msg.type, msg.text))
