#include "npy.h"

#include <stdio.h>
#include <string.h>

int dfv_npy_header(char buf[DFV_NPY_MAX_HEADER], const char *descr, const int64_t *shape, int ndim)
{
    char dict[DFV_NPY_MAX_HEADER];
    int n = snprintf(dict, sizeof dict, "{'descr': '%s', 'fortran_order': False, 'shape': (", descr);
    for (int i = 0; i < ndim && n > 0 && n < (int)sizeof dict; i++)
        n += snprintf(dict + n, sizeof dict - (size_t)n, "%lld,%s", (long long)shape[i], i + 1 < ndim ? " " : "");
    if (n > 0 && n < (int)sizeof dict) n += snprintf(dict + n, sizeof dict - (size_t)n, "), }");
    if (n <= 0 || n >= (int)sizeof dict) return -1;
    const int preamble = 10; /* magic (6) + version (2) + header length (2) */
    int total = (preamble + n + 1 + 63) / 64 * 64;
    if (total > DFV_NPY_MAX_HEADER) return -1;
    int dict_len = total - preamble;
    memcpy(buf, "\x93NUMPY\x01\x00", 8);
    buf[8] = (char)(dict_len & 0xff);
    buf[9] = (char)(dict_len >> 8);
    memcpy(buf + preamble, dict, (size_t)n);
    memset(buf + preamble + n, ' ', (size_t)(dict_len - n - 1));
    buf[total - 1] = '\n';
    return total;
}
