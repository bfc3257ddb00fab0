#!/usr/bin/env python3
"""
Independent reference for kobe's L2 logistic regression (src/confidence/logistic.ts).

Generates a small deterministic dataset (numpy's seeded PCG64 plus fixed formulas), writes it as
src/confidence/fixtures/logistic-case.csv, fits the same objective with scipy.optimize (Newton-CG
with the exact Hessian, cross-checked by BFGS) and writes the coefficients to
src/confidence/fixtures/logistic-expected.json. logistic.test.ts reads both and checks kobe's
coefficients to 1e-6. Maintenance only: src never imports scripts. Run from the repository root:

    python3 scripts/reference/logistic-reference.py

The objective (same as logistic.ts):
    z_ij  = (x_ij - mean_j) / std_j      mean and population std (ddof=0) over the rows, unweighted
    eta_i = b0 + sum_j b_j z_ij
    L     = sum_i w_i [log(1 + exp(eta_i)) - y_i eta_i] + (l2/2) sum_j b_j^2   (b0 not penalised)
"""
import json
import os

import numpy as np
from scipy.optimize import minimize
from scipy.special import expit

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), '..', '..'))
OUT = os.path.join(ROOT, 'src', 'confidence', 'fixtures')

N = 300
rng = np.random.default_rng(20240509)
i = np.arange(N)
x1 = 2.0 * np.sin(0.37 * i) + 0.1 * i / N            # oscillating, small trend
x2 = 100.0 + 15.0 * np.cos(0.11 * i + 0.5)            # large offset and scale: standardisation matters
x3 = ((i * 7919) % 101) / 101.0                       # sawtooth in [0, 1)
x4 = rng.normal(0.0, 3.0, N)                          # noise with no effect
X = np.column_stack([x1, x2, x3, x4])
true_eta = -0.4 + 1.1 * x1 - 0.03 * (x2 - 100.0) + 0.8 * x3
y = (rng.uniform(size=N) < expit(true_eta)).astype(np.float64)
w = 0.5 + ((i * 37) % 11) / 10.0

# Round to what the CSV holds, so both sides fit exactly the same numbers.
X = np.array([[float(f'{v:.17g}') for v in row] for row in X])
w = np.array([float(f'{v:.17g}') for v in w])

FEATURES = ['osc', 'level', 'saw', 'noise']


def fit(l2, weights):
    mean = X.mean(axis=0)
    std = X.std(axis=0)  # ddof = 0
    Z = np.column_stack([np.ones(N), (X - mean) / std])
    pen = np.full(Z.shape[1], l2)
    pen[0] = 0.0

    def f(t):
        eta = Z @ t
        return float(np.sum(weights * (np.logaddexp(0.0, eta) - y * eta)) + 0.5 * np.sum(pen * t * t))

    def g(t):
        p = expit(Z @ t)
        return Z.T @ (weights * (p - y)) + pen * t

    def h(t):
        p = expit(Z @ t)
        return (Z.T * (weights * p * (1 - p))) @ Z + np.diag(pen)

    t0 = np.zeros(Z.shape[1])
    ncg = minimize(f, t0, jac=g, hess=h, method='Newton-CG', options={'xtol': 1e-14, 'maxiter': 1000})
    bfgs = minimize(f, t0, jac=g, method='BFGS', options={'gtol': 1e-11, 'maxiter': 10000})
    # Newton-CG stops on its step size; two exact Newton steps (numpy's dense solve) polish the
    # last digits so the reference gradient is at rounding level.
    for _ in range(2):
        ncg.x = ncg.x - np.linalg.solve(h(ncg.x), g(ncg.x))
    assert np.max(np.abs(g(ncg.x))) < 1e-10, ('Newton-CG did not converge', g(ncg.x))
    assert np.max(np.abs(ncg.x - bfgs.x)) < 1e-6, ('Newton-CG and BFGS disagree', ncg.x, bfgs.x)
    return {
        'l2': l2,
        'weighted': weights is not None and not np.all(weights == 1.0),
        'intercept': float(ncg.x[0]),
        'coefficients': [float(v) for v in ncg.x[1:]],
        'means': [float(v) for v in mean],
        'stds': [float(v) for v in std],
        'objective': f(ncg.x),
        'gradientMax': float(np.max(np.abs(g(ncg.x)))),
    }


cases = {
    'l2=1': fit(1.0, np.ones(N)),
    'l2=0.5 weighted': fit(0.5, w),
    'l2=0': fit(0.0, np.ones(N)),
    'l2=25': fit(25.0, np.ones(N)),
}

os.makedirs(OUT, exist_ok=True)
with open(os.path.join(OUT, 'logistic-case.csv'), 'w') as fh:
    fh.write(','.join(FEATURES + ['label', 'weight']) + '\n')
    for r in range(N):
        fh.write(','.join([f'{v:.17g}' for v in X[r]] + [str(int(y[r])), f'{w[r]:.17g}']) + '\n')
with open(os.path.join(OUT, 'logistic-expected.json'), 'w') as fh:
    json.dump({
        'generator': 'scripts/reference/logistic-reference.py (numpy %s, scipy Newton-CG xtol 1e-14, checked by BFGS)' % np.__version__,
        'features': FEATURES,
        'rows': N,
        'positives': int(y.sum()),
        'cases': cases,
    }, fh, indent=2)
    fh.write('\n')
print('wrote', N, 'rows,', int(y.sum()), 'positives')
for name, c in cases.items():
    print(name, c['intercept'], c['coefficients'])
