# audit-ti — two commands do everything: `make demo` and `make test`.
# Each installs what is missing (Debian packages, a virtual environment in .venv, the package),
# then runs. A second run skips what is already installed.

SHELL := /bin/bash
.DEFAULT_GOAL := aide

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installe
export AUDIT_TI_BOUCLE_LOCALE := 1

.PHONY: aide demo test installer systeme lint typage tests schemas nettoyer lab banc-lab bench jupyter notebooks

aide:
	@echo "make demo   installe ce qui manque puis lance la démonstration"
	@echo "make test   installe ce qui manque puis lance ruff, mypy et toutes les épreuves"
	@echo "make jupyter        ouvre les notebooks dans JupyterLab (127.0.0.1)"
	@echo "make notebooks      réexécute les notebooks sur le scan de référence (sorties comparées par nbval)"
	@echo "make bench          lance tous les bancs de mesure (root pour ceux du laboratoire), écrit bench/RESULTS.md"

systeme:
	@scripts/installer-paquets-systeme.sh scripts/paquets-debian.txt

# python3-venv (ensurepip) is in scripts/paquets-debian.txt: the system packages come first, even
# under make -j. A venv that fails is removed, so the next run tries again.
$(BIN)/python: | systeme
	@command -v $(PYTHON) >/dev/null || \
		{ echo "$(PYTHON) est introuvable : installez Python 3.11 ou plus récent (paquet Debian python3)." >&2; exit 2; }
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else 1)' || \
		{ echo "Python 3.11 ou plus récent est nécessaire ($(PYTHON) est trop ancien)." >&2; exit 2; }
	@echo "Création de l'environnement virtuel $(VENV)…"
	@$(PYTHON) -m venv $(VENV) >/dev/null 2>&1 || { rm -rf $(VENV); \
		echo "Impossible de créer l'environnement virtuel $(VENV) avec $(PYTHON) : il manque son module venv" \
			"(paquet Debian python3-venv, ou pythonX.Y-venv pour une autre version de Python)." >&2; exit 2; }

# Some machines list missing local package indexes in their pip configuration: pip then warns
# once per package, which hides the messages that matter.
PIP_QUIET := 2>&1 | { grep -v 'is ignored: it is neither a file nor a directory' || true; }

$(STAMP): pyproject.toml | $(BIN)/python
	@$(BIN)/python -m pip --version >/dev/null 2>&1 || { echo "L'environnement virtuel $(VENV) est incomplet" \
		"(pip absent, création interrompue ?) : lancez « make nettoyer », puis relancez la commande." >&2; exit 2; }
	@echo "Installation d'audit-ti et de ses dépendances dans $(VENV)…"
	@set -o pipefail; $(BIN)/python -m pip install --quiet --upgrade pip $(PIP_QUIET)
	@set -o pipefail; $(BIN)/python -m pip install --quiet -e '.[dev,lab,notebooks,echelle]' $(PIP_QUIET)
	@touch $@

installer: systeme $(STAMP)

demo: installer
	@BIN=$(BIN) scripts/demo.sh

lint: installer
	@$(BIN)/ruff check src tests bench scripts
	@$(BIN)/ruff format --check src tests bench scripts

typage: installer
	@$(BIN)/mypy

# axe-core for the reports' checks in headless Chromium (tests/test_browser.py), at the version of
# the lock; installed again when the lock changes. npm is not in scripts/paquets-debian.txt: Debian's
# npm conflicts with NodeSource's nodejs, which brings its own; Debian's is installed only when none is.
AXE := tests/navigateur/node_modules/axe-core/axe.min.js

$(AXE): tests/navigateur/package-lock.json | systeme
	@command -v npm >/dev/null || scripts/installer-paquets-systeme.sh <(echo npm)
	@command -v npm >/dev/null || { echo "npm est introuvable : il installe axe-core pour les épreuves des" \
		"rapports dans le navigateur. Installez Node.js et npm (paquets Debian nodejs et npm), puis relancez." >&2; exit 2; }
	@echo "Installation d'axe-core (épreuves des rapports dans le navigateur)…"
	@npm ci --prefix tests/navigateur --no-audit --no-fund --loglevel=error
	@touch $@

# The notebooks' stored outputs are compared by nbval (dates, hashes, temporary paths masked).
tests: installer $(AXE)
	@$(BIN)/pytest
	@$(BIN)/pytest -q -p no:cacheprovider --nbval notebooks --nbval-sanitize-with notebooks/nbval-sanitize.cfg

# After a change that alters what the notebooks show: run them again on the reference scan, read the
# diff of notebooks/, commit it.
notebooks: installer
	@$(BIN)/python scripts/executer-notebooks.py

# JupyterLab on the project, on the loopback only, with the kernel of .venv (audit_ti installed).
jupyter: installer
	@$(BIN)/jupyter lab --ServerApp.ip=127.0.0.1 --ServerApp.root_dir=. --ServerApp.open_browser=False notebooks/00_synthese.ipynb

test: lint typage tests

schemas: installer
	@$(BIN)/audit-ti schemas

# The lab of simulated gateways (root): start it by hand, or measure it at scale.
lab: installer
	@$(BIN)/audit-ti lab demarrer

banc-lab: installer
	@$(BIN)/python bench/lab_echelle.py

# Every bench, then bench/RESULTS.md (this machine's figures; the benches assert nothing). Takes a
# while: run it on a quiet machine. Options of bench/tout.py through BANC, for example
# make bench BANC="--seulement bench_suite,bench_dask" or BANC=--rapide.
bench: installer
	@$(BIN)/python bench/tout.py $(BANC)

nettoyer:
	rm -rf $(VENV) .mypy_cache .pytest_cache .ruff_cache
