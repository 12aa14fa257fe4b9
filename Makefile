# Two commands do all set-up on a fresh machine:
#   make hub   - the course hub on http://127.0.0.1/ with demo accounts
#   make test  - the whole test suite
# (make lab: a single-user JupyterLab with the course modules, a student's laptop.)
# Each creates .venv and installs what it needs into it.

PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
TORCH  := torch==2.13.0
# The hub's proxy, from the npm registry, installed inside the venv.
PROXY  := $(VENV)/node/node_modules/.bin/configurable-http-proxy
PROXY_VERSION := 5.3.0

# Debian packages (command or file:package): bubblewrap sandboxes student code; prlimit and
# setpriv (util-linux) limit it; Fashion-MNIST is the milestones' offline data set. The
# browser tests also drive chromium, and the PostgreSQL tests start Debian's server.
FASHION_MNIST := /usr/share/datasets/fashion-mnist/train-images-idx3-ubyte.gz
SYSTEM_TOOLS := bwrap:bubblewrap prlimit:util-linux setpriv:util-linux \
                $(FASHION_MNIST):dataset-fashion-mnist
TEST_TOOLS   := $(SYSTEM_TOOLS) chromium:chromium pg_ctlcluster:postgresql

# The lab extension (TypeScript in labextension/): JupyterLab's jlpm installs its packages
# (yarn.lock as committed) and builds it into labextension/dist, which the wheel ships; each
# new build is also copied where the venv's JupyterLab finds it (an editable install copies
# the data files only when pip runs). Rebuilt only when its sources change.
LABEXT       := labextension
LABEXT_DIST  := $(LABEXT)/dist/package.json
LABEXT_SRC   := $(shell find $(LABEXT)/src $(LABEXT)/style -type f -not -path '*/__tests__/*') \
                $(addprefix $(LABEXT)/,package.json yarn.lock tsconfig.json install.json)
LABEXT_DEPS  := $(LABEXT)/node_modules/.yarn-state.yml
LABEXT_VENV  := $(VENV)/share/jupyter/labextensions/@tinytorch/lab
JLPM         := cd $(LABEXT) && PATH="$(CURDIR)/$(BIN):$$PATH" jlpm

.PHONY: hub lab test lint export system-deps clean help labextension images

help:
	@echo "make hub    - set up and run the course hub (http://127.0.0.1/, demo accounts)"
	@echo "make lab    - set up and open JupyterLab with the course (http://127.0.0.1:8888)"
	@echo "make test   - set up and run the whole test suite"
	@echo "make lint   - ruff on the project"
	@echo "make system-deps - the Debian packages grading needs (bubblewrap; TOOLS=... for others)"
	@echo "make export - regenerate tinytorch/ from course/modules"
	@echo "make labextension - build the lab extension (labextension/, with jlpm)"
	@echo "make images - build the Docker images: hub, lab, grader, sandbox (docker/Dockerfile)"

$(BIN)/python:
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "TinyTorch needs Python 3.11 or newer: run make PYTHON=python3.11 ...")'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

# Reinstall when the package metadata changes.
$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[course,test]'
	@# PyTorch is the test oracle, never a runtime dependency. Take its CPU wheel only where
	@# one lies on disk (elsewhere PyPI would serve a multi-GB CUDA build); CI requires it.
	@rm -rf build/torch-wheel && \
	if $(BIN)/python -m pip download --quiet --no-index --no-deps -d build/torch-wheel '$(TORCH)' 2>/dev/null; then \
		$(BIN)/python -m pip install --quiet build/torch-wheel/*.whl; \
	else \
		echo "note: no local $(TORCH) CPU wheel; the PyTorch oracle tests will be skipped"; \
	fi
	touch $(STAMP)

TOOLS ?= $(SYSTEM_TOOLS)
system-deps:
	@missing=""; for tool in $(TOOLS); do \
		command -v $${tool%%:*} >/dev/null || test -e $${tool%%:*} || \
			missing="$$missing $${tool#*:}"; done; \
	if [ -n "$$missing" ]; then \
		if [ "$$(id -u)" = 0 ]; then \
			echo "installing$$missing"; apt-get update -qq && apt-get install -y -qq $$missing; \
		else \
			echo "error: missing Debian packages:$$missing (run: sudo apt-get install$$missing)"; \
			exit 1; \
		fi; \
	fi

$(PROXY): | $(BIN)/python
	@$(MAKE) --no-print-directory system-deps TOOLS="npm:npm"
	npm install --silent --no-fund --no-audit --prefix $(VENV)/node configurable-http-proxy@$(PROXY_VERSION)

$(LABEXT_DEPS): $(LABEXT)/package.json $(LABEXT)/yarn.lock | $(STAMP)
	@$(MAKE) --no-print-directory system-deps TOOLS="node:nodejs"
	$(JLPM) install --immutable

$(LABEXT_DIST): $(LABEXT_SRC) $(LABEXT_DEPS)
	$(JLPM) build:prod
	touch $(LABEXT_DIST)

$(LABEXT_VENV)/package.json: $(LABEXT_DIST) | $(STAMP)
	rm -rf $(LABEXT_VENV) && mkdir -p $(LABEXT_VENV)
	cp -r $(LABEXT)/dist/. $(LABEXT)/install.json $(LABEXT_VENV)/

labextension: $(LABEXT_VENV)/package.json

hub: $(STAMP) system-deps $(PROXY) labextension
	$(BIN)/python -m hub_config $(HUB_ARGS)

lab: $(STAMP) labextension
	$(BIN)/tito lab

test: $(STAMP) $(PROXY) labextension
	@$(MAKE) --no-print-directory system-deps TOOLS="$(TEST_TOOLS)"
	$(BIN)/ruff check .
	$(JLPM) test
	@# pytest exits 5 when it collected no test: that is a failure, said plainly. Each test
	@# file goes to one worker whole (its module fixtures start once), in the order collected,
	@# so that the library's two thousand quick tests come last and even out the end.
	@$(BIN)/python -m pytest -n 2 --dist loadfile --no-loadscope-reorder --durations=30; \
	status=$$?; \
	if [ $$status -eq 5 ]; then echo "error: pytest collected no tests"; fi; exit $$status

lint: $(STAMP)
	$(BIN)/ruff check .

export: $(STAMP)
	$(BIN)/tito export --all

clean:
	rm -rf build .pytest_cache .ruff_cache $(LABEXT)/lib $(LABEXT)/dist $(LABEXT)/tsconfig.tsbuildinfo

# The Docker images (docker/Dockerfile, one target each; docs/deploy/compose.md). The data
# sets come from DATASETS as a named build context; DOCKER=... picks another CLI.
DOCKER   ?= docker
DATASETS ?= ../shared/datasets
IMAGE_VERSION ?= 0.1.0
IMAGES   := hub lab grader sandbox
images:
	@test -f $(DATASETS)/tinyshakespeare.txt || { echo "error: no $(DATASETS)/tinyshakespeare.txt: make images DATASETS=<folder holding it>"; exit 1; }
	@for target in $(IMAGES); do \
		echo "building tinytorch/$$target:$(IMAGE_VERSION)"; \
		$(DOCKER) build -f docker/Dockerfile --build-context datasets=$(DATASETS) \
			--target $$target -t tinytorch/$$target:$(IMAGE_VERSION) . || exit 1; \
	done
