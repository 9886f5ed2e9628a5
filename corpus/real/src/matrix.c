/* Dense linear algebra in doubles: LU decomposition with partial pivoting of a generated N x N
 * matrix, its determinant, a solve against a known solution, the inverse (checked by multiplying it
 * back), and a Cholesky solve of the normal equations (sqrt) that must agree with the LU solve.
 *   argv: matrix [N]      matrix order (default 32)
 *   scaled up:  matrix 300 */
#include <math.h>
#include <string.h>

#include "common.h"

#define AT(m, n, i, j) ((m)[(size_t)(i) * (size_t)(n) + (size_t)(j)])

static double *new_matrix(int n) { return calloc((size_t)n * (size_t)n, sizeof(double)); }

/* Factorizes `a` in place (L below the diagonal with unit diagonal, U on and above); returns the
 * permutation sign, 0 when singular. */
static int lu_decompose(double *a, int n, int *pivot) {
  int sign = 1;
  for (int k = 0; k < n; k++) {
    int best = k;
    for (int i = k + 1; i < n; i++) {
      if (fabs(AT(a, n, i, k)) > fabs(AT(a, n, best, k))) best = i;
    }
    pivot[k] = best;
    if (AT(a, n, best, k) == 0.0) return 0;
    if (best != k) {
      for (int j = 0; j < n; j++) {
        double t = AT(a, n, k, j);
        AT(a, n, k, j) = AT(a, n, best, j);
        AT(a, n, best, j) = t;
      }
      sign = -sign;
    }
    for (int i = k + 1; i < n; i++) {
      double factor = AT(a, n, i, k) /= AT(a, n, k, k);
      for (int j = k + 1; j < n; j++) AT(a, n, i, j) -= factor * AT(a, n, k, j);
    }
  }
  return sign;
}

static void lu_solve(const double *lu, int n, const int *pivot, double *x) {
  for (int k = 0; k < n; k++) {
    double t = x[k];
    x[k] = x[pivot[k]];
    x[pivot[k]] = t;
  }
  for (int i = 0; i < n; i++) {
    for (int j = 0; j < i; j++) x[i] -= AT(lu, n, i, j) * x[j];
  }
  for (int i = n - 1; i >= 0; i--) {
    for (int j = i + 1; j < n; j++) x[i] -= AT(lu, n, i, j) * x[j];
    x[i] /= AT(lu, n, i, i);
  }
}

/* Lower-triangular L with L * L^T = a, for symmetric positive definite a; 0 if it is not. */
static int cholesky(const double *a, int n, double *l) {
  for (int j = 0; j < n; j++) {
    double diagonal = AT(a, n, j, j);
    for (int k = 0; k < j; k++) diagonal -= AT(l, n, j, k) * AT(l, n, j, k);
    if (diagonal <= 0) return 0;
    AT(l, n, j, j) = sqrt(diagonal);
    for (int i = j + 1; i < n; i++) {
      double sum = AT(a, n, i, j);
      for (int k = 0; k < j; k++) sum -= AT(l, n, i, k) * AT(l, n, j, k);
      AT(l, n, i, j) = sum / AT(l, n, j, j);
    }
  }
  return 1;
}

static void cholesky_solve(const double *l, int n, double *x) {
  for (int i = 0; i < n; i++) {
    for (int k = 0; k < i; k++) x[i] -= AT(l, n, i, k) * x[k];
    x[i] /= AT(l, n, i, i);
  }
  for (int i = n - 1; i >= 0; i--) {
    for (int k = i + 1; k < n; k++) x[i] -= AT(l, n, k, i) * x[k];
    x[i] /= AT(l, n, i, i);
  }
}

int main(int argc, char **argv) {
  int n = (int)arg_long(argc, argv, 1, 32, 1, 2000);
  double *a = new_matrix(n), *lu = new_matrix(n), *inverse = new_matrix(n);
  double *expected = malloc((size_t)n * sizeof(double)), *b = malloc((size_t)n * sizeof(double));
  double *x = malloc((size_t)n * sizeof(double));
  int *pivot = malloc((size_t)n * sizeof(int));
  for (int i = 0; i < n; i++) {
    for (int j = 0; j < n; j++) AT(a, n, i, j) = (double)rng_below(2001) / 1000.0 - 1.0;
    expected[i] = 1.0 + (double)i / n;
  }
  for (int i = 0; i < n; i++) {
    b[i] = 0;
    for (int j = 0; j < n; j++) b[i] += AT(a, n, i, j) * expected[j];
  }

  memcpy(lu, a, (size_t)n * (size_t)n * sizeof(double));
  int sign = lu_decompose(lu, n, pivot);
  if (sign == 0) {
    printf("the generated matrix is singular\n");
    return EXIT_SELF_CHECK_FAILED;
  }
  double log_det = 0;
  for (int i = 0; i < n; i++) {
    log_det += log10(fabs(AT(lu, n, i, i)));
    if (AT(lu, n, i, i) < 0) sign = -sign;
  }
  memcpy(x, b, (size_t)n * sizeof(double));
  lu_solve(lu, n, pivot, x);
  double solve_error = 0;
  for (int i = 0; i < n; i++) solve_error = fmax(solve_error, fabs(x[i] - expected[i]));

  for (int j = 0; j < n; j++) {
    double *column = calloc((size_t)n, sizeof(double));
    column[j] = 1;
    lu_solve(lu, n, pivot, column);
    for (int i = 0; i < n; i++) AT(inverse, n, i, j) = column[i];
    free(column);
  }
  double identity_error = 0;
  for (int i = 0; i < n; i++) {
    for (int j = 0; j < n; j++) {
      double sum = 0;
      for (int k = 0; k < n; k++) sum += AT(a, n, i, k) * AT(inverse, n, k, j);
      identity_error = fmax(identity_error, fabs(sum - (i == j)));
    }
  }

  /* The normal equations (A^T A) x = A^T b have the same solution; A^T A is positive definite. */
  double *normal = new_matrix(n), *l = new_matrix(n), *y = calloc((size_t)n, sizeof(double));
  for (int i = 0; i < n; i++) {
    for (int j = 0; j < n; j++) {
      for (int k = 0; k < n; k++) AT(normal, n, i, j) += AT(a, n, k, i) * AT(a, n, k, j);
    }
    for (int k = 0; k < n; k++) y[i] += AT(a, n, k, i) * b[k];
  }
  int positive_definite = cholesky(normal, n, l);
  double agreement = INFINITY;
  if (positive_definite) {
    cholesky_solve(l, n, y);
    agreement = 0;
    for (int i = 0; i < n; i++) agreement = fmax(agreement, fabs(y[i] - x[i]));
  }

  printf("order %d, determinant: sign %c, log10 of its magnitude %.6f\n", n, sign > 0 ? '+' : '-', log_det);
  printf("x[0..3] = %.12f %.12f %.12f %.12f\n", x[0], x[n > 1 ? 1 : 0], x[n > 2 ? 2 : 0], x[n > 3 ? 3 : 0]);
  double trace = 0;
  for (int i = 0; i < n; i++) trace += AT(inverse, n, i, i);
  printf("inverse[0][0] = %.9e, trace of the inverse %.9g\n", AT(inverse, n, 0, 0), trace);
  printf("max |x - expected| = %.3e, max |A * inverse - I| = %.3e, |Cholesky - LU| = %.3e\n", solve_error,
         identity_error, agreement);
  int ok = solve_error < 1e-8 && identity_error < 1e-8 && agreement < 1e-6;
  double *owned[] = {a, lu, inverse, expected, b, x, normal, l, y};
  for (size_t i = 0; i < sizeof owned / sizeof owned[0]; i++) free(owned[i]);
  free(pivot);
  return ok ? 0 : EXIT_SELF_CHECK_FAILED;
}
