PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
INSTALLED := $(VENV)/.installed
export TF_CPP_MIN_LOG_LEVEL ?= 3
export GRADIO_ANALYTICS_ENABLED ?= False

.PHONY: install demo test test-slow test-tfserving bench clean

$(INSTALLED): requirements.txt requirements-data.txt system-packages.txt scripts/install-system-packages
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements.txt
	$(PY) -m pip install --quiet --disable-pip-version-check --no-deps -r requirements-data.txt
	./scripts/install-system-packages
	touch $(INSTALLED)

install: $(INSTALLED)

demo: install
	$(PY) -m zoo quickstart

test: install
	$(PY) -m pytest -n 2 --dist loadgroup --durations=15

test-slow: install
	$(PY) -m pytest -m slow

# TF Serving's own tensorflow_model_server_test.py, unchanged, against `python -m serving serve`
test-tfserving: install
	$(PY) scripts/tfserving_suite.py

bench: install
	$(PY) -m bench

clean:
	rm -rf $(VENV) models exports .cache artifacts
