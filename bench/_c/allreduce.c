/* The C side of bench/mpi_allreduce.ts: MPI_Allreduce (sum of doubles)
 * latency and bandwidth, printed by rank 0 as one JSON object per size.
 *   mpicc.mpich -O2 -o allreduce bench/_c/allreduce.c
 *   mpiexec.mpich -n 2 ./allreduce 8 1048576 67108864 */
#include <mpi.h>
#include <stdio.h>
#include <stdlib.h>

int main(int argc, char **argv) {
  MPI_Init(&argc, &argv);
  int rank;
  MPI_Comm_rank(MPI_COMM_WORLD, &rank);
  for (int a = 1; a < argc; a++) {
    long bytes = atol(argv[a]);
    int n = (int)(bytes / 8);
    double *send = malloc(n * sizeof(double)), *recv = malloc(n * sizeof(double));
    for (int i = 0; i < n; i++) send[i] = rank + i;
    int iters = bytes <= 4096 ? 20000 : bytes <= (1 << 20) ? 200 : 10;
    MPI_Allreduce(send, recv, n, MPI_DOUBLE, MPI_SUM, MPI_COMM_WORLD); /* warm-up */
    MPI_Barrier(MPI_COMM_WORLD);
    double t0 = MPI_Wtime();
    for (int i = 0; i < iters; i++) MPI_Allreduce(send, recv, n, MPI_DOUBLE, MPI_SUM, MPI_COMM_WORLD);
    double dt = (MPI_Wtime() - t0) / iters;
    if (rank == 0) printf("{\"bytes\":%ld,\"seconds\":%.9g}\n", bytes, dt);
    free(send);
    free(recv);
  }
  MPI_Finalize();
  return 0;
}
