// Towers' view of Open MPI: <mpi.h> plus functions returning the predefined
// handles, which Open MPI defines as macros over global objects that Swift
// cannot import. Internal to the package: only TowersDistributed uses it, and
// its public API never exposes MPI types.
#ifndef TOWERS_CMPI_SHIM_H
#define TOWERS_CMPI_SHIM_H

#include <mpi.h>

static inline MPI_Comm towers_mpi_comm_world(void) { return MPI_COMM_WORLD; }
static inline MPI_Comm towers_mpi_comm_null(void) { return MPI_COMM_NULL; }
static inline MPI_Datatype towers_mpi_float(void) { return MPI_FLOAT; }
static inline MPI_Datatype towers_mpi_double(void) { return MPI_DOUBLE; }
static inline MPI_Datatype towers_mpi_byte(void) { return MPI_BYTE; }
static inline MPI_Datatype towers_mpi_int64(void) { return MPI_INT64_T; }
static inline MPI_Op towers_mpi_sum(void) { return MPI_SUM; }
static inline MPI_Op towers_mpi_max(void) { return MPI_MAX; }
static inline MPI_Errhandler towers_mpi_errors_return(void) { return MPI_ERRORS_RETURN; }
static inline void *towers_mpi_in_place(void) { return MPI_IN_PLACE; }
static inline MPI_Info towers_mpi_info_null(void) { return MPI_INFO_NULL; }
static inline MPI_Request towers_mpi_request_null(void) { return MPI_REQUEST_NULL; }
static inline MPI_Status *towers_mpi_status_ignore(void) { return MPI_STATUS_IGNORE; }
static inline MPI_Status *towers_mpi_statuses_ignore(void) { return MPI_STATUSES_IGNORE; }

#endif
