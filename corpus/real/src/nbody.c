/* The outer planets around the Sun: a symplectic (leapfrog) integration of five bodies in doubles,
 * with sqrt for distances; prints the energy and the positions before and after, and checks that the
 * energy drifted by less than a part in ten thousand and the momentum stayed zero.
 *   argv: nbody [STEPS]      integration steps of 0.01 years (default 2000)
 *   scaled up:  nbody 5000000 */
#include <math.h>

#include "common.h"

#define PI 3.141592653589793
#define SOLAR_MASS (4 * PI * PI) /* in units where G = 1, lengths in AU and time in years */
#define DAYS_PER_YEAR 365.24

typedef struct {
  const char *name;
  double x, y, z, vx, vy, vz, mass;
} Body;

/* The initial conditions the Computer Language Benchmarks Game's n-body program uses (from JPL
 * ephemerides): positions in AU, velocities in AU per day (scaled to years below), masses in solar
 * masses. */
static Body bodies[] = {
    {"Sun", 0, 0, 0, 0, 0, 0, 1},
    {"Jupiter", 4.84143144246472090e+00, -1.16032004402742839e+00, -1.03622044471123109e-01,
     1.66007664274403694e-03, 7.69901118419740425e-03, -6.90460016972063023e-05, 9.54791938424326609e-04},
    {"Saturn", 8.34336671824457987e+00, 4.12479856412430479e+00, -4.03523417114321381e-01,
     -2.76742510726862411e-03, 4.99852801234917238e-03, 2.30417297573763929e-05, 2.85885980666130812e-04},
    {"Uranus", 1.28943695621391310e+01, -1.51111514016986312e+01, -2.23307578892655734e-01,
     2.96460137564761618e-03, 2.37847173959480950e-03, -2.96589568540237556e-05, 4.36624404335156298e-05},
    {"Neptune", 1.53796971148509165e+01, -2.59193146099879641e+01, 1.79258772950371181e-01,
     2.68067772490389322e-03, 1.62824170038242295e-03, -9.51592254519715870e-05, 5.15138902046611451e-05},
};
enum { BODY_COUNT = sizeof bodies / sizeof bodies[0] };

static void to_simulation_units(void) {
  for (int i = 0; i < BODY_COUNT; i++) {
    bodies[i].vx *= DAYS_PER_YEAR;
    bodies[i].vy *= DAYS_PER_YEAR;
    bodies[i].vz *= DAYS_PER_YEAR;
    bodies[i].mass *= SOLAR_MASS;
  }
}

/* Gives the Sun the velocity that makes the total momentum zero. */
static void offset_momentum(void) {
  double px = 0, py = 0, pz = 0;
  for (int i = 0; i < BODY_COUNT; i++) {
    px += bodies[i].vx * bodies[i].mass;
    py += bodies[i].vy * bodies[i].mass;
    pz += bodies[i].vz * bodies[i].mass;
  }
  bodies[0].vx = -px / SOLAR_MASS;
  bodies[0].vy = -py / SOLAR_MASS;
  bodies[0].vz = -pz / SOLAR_MASS;
}

static double energy(void) {
  double e = 0;
  for (int i = 0; i < BODY_COUNT; i++) {
    const Body *a = &bodies[i];
    e += 0.5 * a->mass * (a->vx * a->vx + a->vy * a->vy + a->vz * a->vz);
    for (int j = i + 1; j < BODY_COUNT; j++) {
      const Body *b = &bodies[j];
      double dx = a->x - b->x, dy = a->y - b->y, dz = a->z - b->z;
      e -= a->mass * b->mass / sqrt(dx * dx + dy * dy + dz * dz);
    }
  }
  return e;
}

static double momentum(void) {
  double px = 0, py = 0, pz = 0;
  for (int i = 0; i < BODY_COUNT; i++) {
    px += bodies[i].vx * bodies[i].mass;
    py += bodies[i].vy * bodies[i].mass;
    pz += bodies[i].vz * bodies[i].mass;
  }
  return sqrt(px * px + py * py + pz * pz);
}

static void advance(double dt) {
  for (int i = 0; i < BODY_COUNT; i++) {
    Body *a = &bodies[i];
    for (int j = i + 1; j < BODY_COUNT; j++) {
      Body *b = &bodies[j];
      double dx = a->x - b->x, dy = a->y - b->y, dz = a->z - b->z;
      double distance_squared = dx * dx + dy * dy + dz * dz;
      double magnitude = dt / (distance_squared * sqrt(distance_squared));
      a->vx -= dx * b->mass * magnitude;
      a->vy -= dy * b->mass * magnitude;
      a->vz -= dz * b->mass * magnitude;
      b->vx += dx * a->mass * magnitude;
      b->vy += dy * a->mass * magnitude;
      b->vz += dz * a->mass * magnitude;
    }
  }
  for (int i = 0; i < BODY_COUNT; i++) {
    bodies[i].x += dt * bodies[i].vx;
    bodies[i].y += dt * bodies[i].vy;
    bodies[i].z += dt * bodies[i].vz;
  }
}

static void print_positions(void) {
  for (int i = 1; i < BODY_COUNT; i++) {
    printf("  %-8s at (%+.9f, %+.9f, %+.9f) AU\n", bodies[i].name, bodies[i].x, bodies[i].y, bodies[i].z);
  }
}

int main(int argc, char **argv) {
  long steps = arg_long(argc, argv, 1, 2000, 0, 1000000000);
  to_simulation_units();
  offset_momentum();
  double before = energy();
  printf("energy before: %.9f\n", before);
  print_positions();
  for (long step = 0; step < steps; step++) advance(0.01);
  double after = energy(), drift = fabs((after - before) / before), p = momentum();
  printf("energy after %ld steps (%.2f years): %.9f\n", steps, 0.01 * (double)steps, after);
  print_positions();
  printf("relative energy drift %.3e, total momentum %.3e\n", drift, p);
  return drift < 1e-4 && p < 1e-12 ? 0 : EXIT_SELF_CHECK_FAILED;
}
