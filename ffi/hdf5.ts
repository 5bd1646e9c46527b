// Raw bindings to libhdf5 (1.10 and later) through Deno FFI: the symbol
// table, lazy discovery, the predefined ids (valid only after H5open) and the
// one `check` that turns a failed call into an Hdf5Error carrying HDF5's own
// error stack. Internal: only io/ touches these symbols.

import { Hdf5Error } from "../core/errors.ts";
import { optionalEnv } from "../core/permissions.ts";
import { openLibrary, pinLibrary } from "./_library.ts";

// hid_t is int64_t since 1.10; herr_t and htri_t are int; hsize_t is
// unsigned long long; ssize_t and size_t are 64-bit on every supported target.
const HID = "i64";
const HERR = "i32";
const HTRI = "i32";
const HSIZE = "u64";
const SIZE = "usize";
const SSIZE = "isize";

/** The libhdf5 functions used by Tessera. */
export const SYMBOLS = {
  // herr_t H5open(void)
  H5open: { parameters: [], result: HERR },
  // herr_t H5get_libversion(unsigned *majnum, unsigned *minnum, unsigned *relnum)
  H5get_libversion: { parameters: ["buffer", "buffer", "buffer"], result: HERR },
  // herr_t H5free_memory(void *mem)
  H5free_memory: { parameters: ["pointer"], result: HERR },
  // void *H5allocate_memory(size_t size, hbool_t clear): 1.8.15 and later (a filter's buffers)
  H5allocate_memory: { parameters: [SIZE, "bool"], result: "pointer", optional: true },
  // void *H5resize_memory(void *mem, size_t size): 1.8.15 and later
  H5resize_memory: { parameters: ["pointer", SIZE], result: "pointer", optional: true },

  // herr_t H5Eset_auto2(hid_t estack_id, H5E_auto2_t func, void *client_data)
  H5Eset_auto2: { parameters: [HID, "pointer", "pointer"], result: HERR },
  // herr_t H5Ewalk2(hid_t err_stack, H5E_direction_t direction, H5E_walk2_t func, void *client_data)
  H5Ewalk2: { parameters: [HID, "i32", "function", "pointer"], result: HERR },
  // ssize_t H5Eget_msg(hid_t msg_id, H5E_type_t *type, char *msg, size_t size)
  H5Eget_msg: { parameters: [HID, "pointer", "buffer", SIZE], result: SSIZE },
  // herr_t H5Eclear2(hid_t err_stack)
  H5Eclear2: { parameters: [HID], result: HERR },

  // hid_t H5Fopen(const char *filename, unsigned flags, hid_t fapl_id)
  H5Fopen: { parameters: ["buffer", "u32", HID], result: HID },
  // hid_t H5Fcreate(const char *filename, unsigned flags, hid_t fcpl_id, hid_t fapl_id)
  H5Fcreate: { parameters: ["buffer", "u32", HID, HID], result: HID },
  // herr_t H5Fclose(hid_t file_id)
  H5Fclose: { parameters: [HID], result: HERR },
  // herr_t H5Fflush(hid_t object_id, H5F_scope_t scope)
  H5Fflush: { parameters: [HID, "i32"], result: HERR },
  // ssize_t H5Fget_obj_count(hid_t file_id, unsigned types)
  H5Fget_obj_count: { parameters: [HID, "u32"], result: SSIZE },

  // hid_t H5Gopen2(hid_t loc_id, const char *name, hid_t gapl_id)
  H5Gopen2: { parameters: [HID, "buffer", HID], result: HID },
  // hid_t H5Gcreate2(hid_t loc_id, const char *name, hid_t lcpl_id, hid_t gcpl_id, hid_t gapl_id)
  H5Gcreate2: { parameters: [HID, "buffer", HID, HID, HID], result: HID },
  // herr_t H5Gclose(hid_t group_id)
  H5Gclose: { parameters: [HID], result: HERR },
  // herr_t H5Gget_info(hid_t loc_id, H5G_info_t *ginfo)
  H5Gget_info: { parameters: [HID, "buffer"], result: HERR },

  // htri_t H5Lexists(hid_t loc_id, const char *name, hid_t lapl_id)
  H5Lexists: { parameters: [HID, "buffer", HID], result: HTRI },
  // ssize_t H5Lget_name_by_idx(hid_t loc_id, const char *group_name, H5_index_t idx_type,
  //                            H5_iter_order_t order, hsize_t n, char *name, size_t size, hid_t lapl_id)
  H5Lget_name_by_idx: {
    parameters: [HID, "buffer", "i32", "i32", HSIZE, "buffer", SIZE, HID],
    result: SSIZE,
  },

  // hid_t H5Oopen(hid_t loc_id, const char *name, hid_t lapl_id)
  H5Oopen: { parameters: [HID, "buffer", HID], result: HID },
  // herr_t H5Oclose(hid_t object_id)
  H5Oclose: { parameters: [HID], result: HERR },
  // ssize_t H5Iget_name(hid_t id, char *name, size_t size)
  H5Iget_name: { parameters: [HID, "buffer", SIZE], result: SSIZE },
  // hid_t H5Rdereference2(hid_t obj_id, hid_t oapl_id, H5R_type_t ref_type, const void *ref)
  H5Rdereference2: { parameters: [HID, HID, "i32", "buffer"], result: HID },
  // herr_t H5Dvlen_reclaim(hid_t type_id, hid_t space_id, hid_t plist_id, void *buf)
  H5Dvlen_reclaim: { parameters: [HID, HID, HID, "buffer"], result: HERR },
  // H5I_type_t H5Iget_type(hid_t id)
  H5Iget_type: { parameters: [HID], result: "i32" },
  // htri_t H5Iis_valid(hid_t id)
  H5Iis_valid: { parameters: [HID], result: HTRI },

  // hid_t H5Dopen2(hid_t loc_id, const char *name, hid_t dapl_id)
  H5Dopen2: { parameters: [HID, "buffer", HID], result: HID },
  // hid_t H5Dcreate2(hid_t loc_id, const char *name, hid_t type_id, hid_t space_id,
  //                  hid_t lcpl_id, hid_t dcpl_id, hid_t dapl_id)
  H5Dcreate2: { parameters: [HID, "buffer", HID, HID, HID, HID, HID], result: HID },
  // herr_t H5Dclose(hid_t dset_id)
  H5Dclose: { parameters: [HID], result: HERR },
  // hid_t H5Dget_space(hid_t dset_id)
  H5Dget_space: { parameters: [HID], result: HID },
  // hid_t H5Dget_type(hid_t dset_id)
  H5Dget_type: { parameters: [HID], result: HID },
  // hid_t H5Dget_create_plist(hid_t dset_id)
  H5Dget_create_plist: { parameters: [HID], result: HID },
  // herr_t H5Dread(hid_t dset_id, hid_t mem_type_id, hid_t mem_space_id, hid_t file_space_id,
  //                hid_t dxpl_id, void *buf)
  H5Dread: { parameters: [HID, HID, HID, HID, HID, "buffer"], result: HERR },
  // herr_t H5Dwrite(hid_t dset_id, hid_t mem_type_id, hid_t mem_space_id, hid_t file_space_id,
  //                 hid_t dxpl_id, const void *buf)
  H5Dwrite: { parameters: [HID, HID, HID, HID, HID, "buffer"], result: HERR },
  // herr_t H5Dread_chunk(hid_t dset_id, hid_t dxpl_id, const hsize_t *offset, uint32_t *filters,
  //   void *buf): HDF5 >= 1.10.2 (optional: older libraries read through H5Dread)
  H5Dread_chunk: {
    parameters: [HID, HID, "buffer", "buffer", "buffer"],
    result: HERR,
    optional: true,
  },
  // herr_t H5Dwrite_chunk(hid_t dset_id, hid_t dxpl_id, uint32_t filters, const hsize_t *offset,
  //   size_t data_size, const void *buf): HDF5 >= 1.10.3 (optional: older libraries write
  //   through H5Dwrite and libhdf5's filters)
  H5Dwrite_chunk: {
    parameters: [HID, HID, "u32", "buffer", "usize", "buffer"],
    result: HERR,
    optional: true,
  },
  // herr_t H5Dget_chunk_info_by_coord(hid_t dset_id, const hsize_t *offset, unsigned *filter_mask,
  //   haddr_t *addr, hsize_t *size): HDF5 >= 1.10.5; size 0 for a chunk never written
  H5Dget_chunk_info_by_coord: {
    parameters: [HID, "buffer", "buffer", "buffer", "buffer"],
    result: HERR,
    optional: true,
  },
  // haddr_t H5Dget_offset(hid_t dset_id): a contiguous dataset's address in the file,
  //   HADDR_UNDEF (all bits set) when not contiguous, not allocated or stored externally
  H5Dget_offset: { parameters: [HID], result: "u64" },
  // hid_t H5Iget_file_id(hid_t obj_id)  (a new file id: closed with H5Fclose)
  H5Iget_file_id: { parameters: [HID], result: HID },
  // hid_t H5Fget_create_plist(hid_t file_id)
  H5Fget_create_plist: { parameters: [HID], result: HID },
  // herr_t H5Pget_userblock(hid_t plist_id, hsize_t *size)
  H5Pget_userblock: { parameters: [HID, "buffer"], result: HERR },
  // herr_t H5Dset_extent(hid_t dset_id, const hsize_t size[])
  H5Dset_extent: { parameters: [HID, "buffer"], result: HERR },

  // hid_t H5Screate(H5S_class_t type)
  H5Screate: { parameters: ["i32"], result: HID },
  // hid_t H5Screate_simple(int rank, const hsize_t dims[], const hsize_t maxdims[])
  H5Screate_simple: { parameters: ["i32", "buffer", "buffer"], result: HID },
  // herr_t H5Sclose(hid_t space_id)
  H5Sclose: { parameters: [HID], result: HERR },
  // int H5Sget_simple_extent_ndims(hid_t space_id)
  H5Sget_simple_extent_ndims: { parameters: [HID], result: "i32" },
  // int H5Sget_simple_extent_dims(hid_t space_id, hsize_t dims[], hsize_t maxdims[])
  H5Sget_simple_extent_dims: { parameters: [HID, "buffer", "buffer"], result: "i32" },
  // H5S_class_t H5Sget_simple_extent_type(hid_t space_id)
  H5Sget_simple_extent_type: { parameters: [HID], result: "i32" },
  // herr_t H5Sselect_hyperslab(hid_t space_id, H5S_seloper_t op, const hsize_t start[],
  //                            const hsize_t stride[], const hsize_t count[], const hsize_t block[])
  H5Sselect_hyperslab: {
    parameters: [HID, "i32", "buffer", "buffer", "buffer", "buffer"],
    result: HERR,
  },
  // herr_t H5Sselect_elements(hid_t space_id, H5S_seloper_t op, size_t num_elem,
  //                           const hsize_t *coord)
  H5Sselect_elements: { parameters: [HID, "i32", SIZE, "buffer"], result: HERR },
  // herr_t H5Sselect_none(hid_t spaceid)
  H5Sselect_none: { parameters: [HID], result: HERR },
  // hssize_t H5Sget_select_npoints(hid_t spaceid)
  H5Sget_select_npoints: { parameters: [HID], result: "i64" },

  // H5T_class_t H5Tget_class(hid_t type_id)
  H5Tget_class: { parameters: [HID], result: "i32" },
  // size_t H5Tget_size(hid_t type_id)
  H5Tget_size: { parameters: [HID], result: SIZE },
  // herr_t H5Tset_size(hid_t type_id, size_t size)
  H5Tset_size: { parameters: [HID, SIZE], result: HERR },
  // H5T_sign_t H5Tget_sign(hid_t type_id)
  H5Tget_sign: { parameters: [HID], result: "i32" },
  // H5T_order_t H5Tget_order(hid_t type_id)
  H5Tget_order: { parameters: [HID], result: "i32" },
  // hid_t H5Tcopy(hid_t type_id)
  H5Tcopy: { parameters: [HID], result: HID },
  // herr_t H5Tclose(hid_t type_id)
  H5Tclose: { parameters: [HID], result: HERR },
  // htri_t H5Tequal(hid_t type1_id, hid_t type2_id)
  H5Tequal: { parameters: [HID, HID], result: HTRI },
  // htri_t H5Tis_variable_str(hid_t type_id)
  H5Tis_variable_str: { parameters: [HID], result: HTRI },
  // H5T_cset_t H5Tget_cset(hid_t type_id)
  H5Tget_cset: { parameters: [HID], result: "i32" },
  // herr_t H5Tset_cset(hid_t type_id, H5T_cset_t cset)
  H5Tset_cset: { parameters: [HID, "i32"], result: HERR },
  // herr_t H5Tset_strpad(hid_t type_id, H5T_str_t strpad)
  H5Tset_strpad: { parameters: [HID, "i32"], result: HERR },
  // hid_t H5Tget_super(hid_t type)
  H5Tget_super: { parameters: [HID], result: HID },
  // int H5Tget_nmembers(hid_t type_id)
  H5Tget_nmembers: { parameters: [HID], result: "i32" },
  // char *H5Tget_member_name(hid_t type_id, unsigned membno)
  H5Tget_member_name: { parameters: [HID, "u32"], result: "pointer" },
  // herr_t H5Tget_member_value(hid_t type_id, unsigned membno, void *value)
  H5Tget_member_value: { parameters: [HID, "u32", "buffer"], result: HERR },
  // hid_t H5Tget_member_type(hid_t type_id, unsigned membno)
  H5Tget_member_type: { parameters: [HID, "u32"], result: HID },
  // size_t H5Tget_member_offset(hid_t type_id, unsigned membno)
  H5Tget_member_offset: { parameters: [HID, "u32"], result: SIZE },
  // int H5Tget_array_ndims(hid_t type_id)
  H5Tget_array_ndims: { parameters: [HID], result: "i32" },
  // int H5Tget_array_dims2(hid_t type_id, hsize_t dims[])
  H5Tget_array_dims2: { parameters: [HID, "buffer"], result: "i32" },
  // hid_t H5Tget_native_type(hid_t type_id, H5T_direction_t direction)
  H5Tget_native_type: { parameters: [HID, "i32"], result: HID },
  // hid_t H5Tcreate(H5T_class_t type, size_t size)
  H5Tcreate: { parameters: ["i32", SIZE], result: HID },
  // herr_t H5Tinsert(hid_t parent_id, const char *name, size_t offset, hid_t member_id)
  H5Tinsert: { parameters: [HID, "buffer", SIZE, HID], result: HERR },
  // hid_t H5Tenum_create(hid_t base_id)
  H5Tenum_create: { parameters: [HID], result: HID },
  // herr_t H5Tenum_insert(hid_t type, const char *name, const void *value)
  H5Tenum_insert: { parameters: [HID, "buffer", "buffer"], result: HERR },
  // herr_t H5Tset_fields(hid_t type_id, size_t spos, size_t epos, size_t esize, size_t mpos,
  //                      size_t msize)
  H5Tset_fields: { parameters: [HID, SIZE, SIZE, SIZE, SIZE, SIZE], result: HERR },
  // herr_t H5Tset_ebias(hid_t type_id, size_t ebias)
  H5Tset_ebias: { parameters: [HID, SIZE], result: HERR },
  // herr_t H5Tset_order(hid_t type_id, H5T_order_t order)
  H5Tset_order: { parameters: [HID, "i32"], result: HERR },

  // hid_t H5Pcreate(hid_t cls_id)
  H5Pcreate: { parameters: [HID], result: HID },
  // herr_t H5Pclose(hid_t plist_id)
  H5Pclose: { parameters: [HID], result: HERR },
  // herr_t H5Pset_chunk(hid_t plist_id, int ndims, const hsize_t dim[])
  H5Pset_chunk: { parameters: [HID, "i32", "buffer"], result: HERR },
  // int H5Pget_chunk(hid_t plist_id, int max_ndims, hsize_t dim[])
  H5Pget_chunk: { parameters: [HID, "i32", "buffer"], result: "i32" },
  // H5D_layout_t H5Pget_layout(hid_t plist_id)
  H5Pget_layout: { parameters: [HID], result: "i32" },
  // herr_t H5Pset_deflate(hid_t plist_id, unsigned level)
  H5Pset_deflate: { parameters: [HID, "u32"], result: HERR },
  // herr_t H5Pset_shuffle(hid_t plist_id)
  H5Pset_shuffle: { parameters: [HID], result: HERR },
  // herr_t H5Pset_filter(hid_t plist_id, H5Z_filter_t filter, unsigned flags, size_t cd_nelmts,
  //   const unsigned cd_values[])
  H5Pset_filter: { parameters: [HID, "i32", "u32", "usize", "buffer"], result: HERR },
  // htri_t H5Zfilter_avail(H5Z_filter_t id): also loads a filter plugin from the plugin path
  H5Zfilter_avail: { parameters: ["i32"], result: "i32" },
  // herr_t H5Z_register(const H5Z_class2_t *cls): libhdf5's internal registration (exported by
  //   Debian's builds), which copies the class over the table entry of its id; the public
  //   H5Zregister refuses the predefined ids (below 256) in release builds
  H5Z_register: { parameters: ["pointer"], result: HERR, optional: true },
  // const H5Z_class2_t *H5Z_find(H5Z_filter_t id): internal, exported as H5Z_register
  H5Z_find: { parameters: ["i32"], result: "pointer", optional: true },
  // herr_t H5Pset_fill_value(hid_t plist_id, hid_t type_id, const void *value)
  H5Pset_fill_value: { parameters: [HID, HID, "buffer"], result: HERR },
  // herr_t H5Pget_fill_value(hid_t plist_id, hid_t type_id, void *value)
  H5Pget_fill_value: { parameters: [HID, HID, "buffer"], result: HERR },
  // herr_t H5Pfill_value_defined(hid_t plist, H5D_fill_value_t *status)
  H5Pfill_value_defined: { parameters: [HID, "buffer"], result: HERR },
  // int H5Pget_nfilters(hid_t plist_id)
  H5Pget_nfilters: { parameters: [HID], result: "i32" },
  // H5Z_filter_t H5Pget_filter2(hid_t plist_id, unsigned idx, unsigned int *flags,
  //   size_t *cd_nelmts, unsigned cd_values[], size_t namelen, char name[], unsigned *filter_config)
  H5Pget_filter2: {
    parameters: [HID, "u32", "buffer", "buffer", "buffer", SIZE, "buffer", "buffer"],
    result: "i32",
  },
  // herr_t H5Pset_create_intermediate_group(hid_t plist_id, unsigned crt_intmd)
  H5Pset_create_intermediate_group: { parameters: [HID, "u32"], result: HERR },
  // herr_t H5Pset_fill_time(hid_t plist_id, H5D_fill_time_t fill_time)
  H5Pset_fill_time: { parameters: [HID, "i32"], result: HERR },
  // herr_t H5Pset_alloc_time(hid_t plist_id, H5D_alloc_time_t alloc_time)
  H5Pset_alloc_time: { parameters: [HID, "i32"], result: HERR },
  // H5Pset_fapl_mpio takes MPI_Comm and MPI_Info, whose C types depend on the
  // MPI flavour: see MPIO_MPICH and MPIO_OMPI below.
  // herr_t H5Pset_dxpl_mpio(hid_t dxpl_id, H5FD_mpio_xfer_t xfer_mode): parallel builds only
  H5Pset_dxpl_mpio: { parameters: [HID, "i32"], result: HERR, optional: true },
  // herr_t H5Pget_mpio_actual_io_mode(hid_t plist_id, H5D_mpio_actual_io_mode_t *actual_io_mode)
  H5Pget_mpio_actual_io_mode: { parameters: [HID, "buffer"], result: HERR, optional: true },

  // herr_t H5Ldelete(hid_t loc_id, const char *name, hid_t lapl_id)
  H5Ldelete: { parameters: [HID, "buffer", HID], result: HERR },

  // hid_t H5Aopen(hid_t obj_id, const char *attr_name, hid_t aapl_id)
  H5Aopen: { parameters: [HID, "buffer", HID], result: HID },
  // hid_t H5Acreate2(hid_t loc_id, const char *attr_name, hid_t type_id, hid_t space_id,
  //                  hid_t acpl_id, hid_t aapl_id)
  H5Acreate2: { parameters: [HID, "buffer", HID, HID, HID, HID], result: HID },
  // herr_t H5Aclose(hid_t attr_id)
  H5Aclose: { parameters: [HID], result: HERR },
  // herr_t H5Aread(hid_t attr_id, hid_t type_id, void *buf)
  H5Aread: { parameters: [HID, HID, "buffer"], result: HERR },
  // herr_t H5Awrite(hid_t attr_id, hid_t type_id, const void *buf)
  H5Awrite: { parameters: [HID, HID, "buffer"], result: HERR },
  // hid_t H5Aget_space(hid_t attr_id)
  H5Aget_space: { parameters: [HID], result: HID },
  // hid_t H5Aget_type(hid_t attr_id)
  H5Aget_type: { parameters: [HID], result: HID },
  // htri_t H5Aexists(hid_t obj_id, const char *attr_name)
  H5Aexists: { parameters: [HID, "buffer"], result: HTRI },
  // herr_t H5Adelete(hid_t loc_id, const char *attr_name)
  H5Adelete: { parameters: [HID, "buffer"], result: HERR },
  // herr_t H5Aiterate2(hid_t loc_id, H5_index_t idx_type, H5_iter_order_t order, hsize_t *idx,
  //                    H5A_operator2_t op, void *op_data)
  H5Aiterate2: { parameters: [HID, "i32", "i32", "pointer", "function", "pointer"], result: HERR },
} as const satisfies Deno.ForeignLibraryInterface;

// Predefined ids: globals that H5open() fills in. Deno reads a static's value
// when the library is opened, so these are bound by a second dlopen of the
// same path after H5open() has run (verified with libhdf5 1.10.8: before
// H5open they read -1).
const STATICS = {
  H5T_NATIVE_INT8_g: { type: HID },
  H5T_NATIVE_UINT8_g: { type: HID },
  H5T_NATIVE_INT16_g: { type: HID },
  H5T_NATIVE_UINT16_g: { type: HID },
  H5T_NATIVE_INT32_g: { type: HID },
  H5T_NATIVE_UINT32_g: { type: HID },
  H5T_NATIVE_INT64_g: { type: HID },
  H5T_NATIVE_UINT64_g: { type: HID },
  H5T_NATIVE_FLOAT_g: { type: HID },
  H5T_NATIVE_DOUBLE_g: { type: HID },
  H5T_NATIVE_HBOOL_g: { type: HID },
  H5T_IEEE_F32LE_g: { type: HID },
  H5T_C_S1_g: { type: HID },
  H5T_NATIVE_B8_g: { type: HID },
  H5T_NATIVE_B16_g: { type: HID },
  H5T_NATIVE_B32_g: { type: HID },
  H5T_NATIVE_B64_g: { type: HID },
  H5P_CLS_FILE_ACCESS_ID_g: { type: HID },
  H5P_CLS_FILE_CREATE_ID_g: { type: HID },
  H5P_CLS_DATASET_CREATE_ID_g: { type: HID },
  H5P_CLS_DATASET_XFER_ID_g: { type: HID },
  H5P_CLS_LINK_CREATE_ID_g: { type: HID },
} as const satisfies Deno.ForeignLibraryInterface;

/** hid_t as Deno passes it (int64_t). */
export type Hid = bigint;

/** H5P_DEFAULT, H5S_ALL and H5E_DEFAULT are all 0. */
export const H5P_DEFAULT = 0n;
/** Whole dataspace. */
export const H5S_ALL = 0n;
/** The default error stack. */
export const H5E_DEFAULT = 0n;
/** H5S_UNLIMITED ((hsize_t)-1). */
export const H5S_UNLIMITED = 0xffff_ffff_ffff_ffffn;
/** H5T_VARIABLE ((size_t)-1). */
export const H5T_VARIABLE = 0xffff_ffff_ffff_ffffn;

/** H5F_ACC_* flags. */
export const H5F_ACC = { RDONLY: 0, RDWR: 1, TRUNC: 2, EXCL: 4 } as const;
/** H5F_OBJ_* flags for H5Fget_obj_count. */
export const H5F_OBJ = { FILE: 1, DATASET: 2, GROUP: 4, DATATYPE: 8, ATTR: 16, ALL: 31 } as const;
/** H5I_type_t values. */
export const H5I = { FILE: 1, GROUP: 2, DATATYPE: 3, DATASPACE: 4, DATASET: 5, ATTR: 6 } as const;
/** H5S_class_t values. */
export const H5S = { SCALAR: 0, SIMPLE: 1, NULL: 2 } as const;
/** H5T_class_t values, indexed by their names. */
export const H5T_CLASS_NAMES = [
  "H5T_INTEGER",
  "H5T_FLOAT",
  "H5T_TIME",
  "H5T_STRING",
  "H5T_BITFIELD",
  "H5T_OPAQUE",
  "H5T_COMPOUND",
  "H5T_REFERENCE",
  "H5T_ENUM",
  "H5T_VLEN",
  "H5T_ARRAY",
] as const;
/** H5T_class_t values. */
export const H5T = {
  INTEGER: 0,
  FLOAT: 1,
  TIME: 2,
  STRING: 3,
  BITFIELD: 4,
  OPAQUE: 5,
  COMPOUND: 6,
  REFERENCE: 7,
  ENUM: 8,
  VLEN: 9,
  ARRAY: 10,
} as const;
/** H5R_type_t values (1.10). */
export const H5R = { OBJECT: 0, DATASET_REGION: 1 } as const;
/** H5D_layout_t values. */
export const H5D_LAYOUT = ["compact", "contiguous", "chunked", "virtual"] as const;

/** The MPI flavour a parallel libhdf5 is built against. */
export type Hdf5Mpi = "mpich" | "openmpi";

/** The loaded library: functions, predefined ids, path and version. */
export interface Hdf5Library {
  /** The functions. */
  readonly fn: Deno.DynamicLibrary<typeof SYMBOLS>["symbols"];
  /** Predefined ids (valid: read after H5open). */
  readonly ids: { readonly [K in keyof typeof STATICS]: Hid };
  /** The path or soniname that loaded. */
  readonly path: string;
  /** `major.minor.release`. */
  readonly version: string;
  /** The MPI flavour of a parallel build (MPI-IO driver present), null for a serial build. */
  readonly parallel: Hdf5Mpi | null;
  /**
   * HDF5 objects already open when this module loaded the library: the
   * library is pinned in the process (see pinLibrary), so objects cached by
   * another isolate (another test module, a Worker) stay counted.
   */
  readonly objectsAtLoad: number;
}

// herr_t H5Pset_fapl_mpio(hid_t fapl_id, MPI_Comm comm, MPI_Info info): MPI_Comm and
// MPI_Info are C ints in the MPICH ABI and pointers in the Open MPI ABI, so the one
// C symbol is bound through one of two interfaces, by a second dlopen of the same path.
const MPIO_MPICH = {
  H5Pset_fapl_mpio: { parameters: [HID, "i32", "i32"], result: HERR },
} as const satisfies Deno.ForeignLibraryInterface;
const MPIO_OMPI = {
  H5Pset_fapl_mpio: { parameters: [HID, "pointer", "pointer"], result: HERR },
} as const satisfies Deno.ForeignLibraryInterface;
// Open MPI's MPI_INFO_NULL is `&ompi_mpi_info_null`; a static declared "pointer" reads as
// the symbol's address in Deno 2.9 (see ffi/mpi.ts).
const OMPI_INFO = {
  ompi_mpi_info_null: { type: "pointer" },
} as const satisfies Deno.ForeignLibraryInterface;
/** MPICH's `MPI_INFO_NULL` (mpi.h: `((MPI_Info)0x1c000000)`). */
export const MPICH_INFO_NULL = 0x1c000000;

/** H5FD_mpio_xfer_t. */
export const H5FD_MPIO = { INDEPENDENT: 0, COLLECTIVE: 1 } as const;
/** H5S_seloper_t values used here. */
export const H5S_SELECT = { SET: 0, OR: 1 } as const;
/** H5D_fill_time_t. */
export const H5D_FILL_TIME = { ALLOC: 0, NEVER: 1, IFSET: 2 } as const;
/** H5D_alloc_time_t. */
export const H5D_ALLOC_TIME = { DEFAULT: 0, EARLY: 1, LATE: 2, INCR: 3 } as const;
/** H5D_mpio_actual_io_mode_t names, by value. */
export const H5D_MPIO_IO_MODES = [
  "no-collective",
  "chunk-independent",
  "chunk-collective",
  "chunk-mixed",
  "contiguous-collective",
] as const;

function env(k: string): string | undefined {
  // optional: without env access there is no launcher to detect (asked without prompting)
  return optionalEnv(k);
}

function underMpiLauncher(): Hdf5Mpi | null {
  if (env("OMPI_COMM_WORLD_SIZE") !== undefined) return "openmpi";
  if (env("PMI_RANK") !== undefined || env("PMI_SIZE") !== undefined) return "mpich";
  return null;
}

const SERIAL = ["libhdf5_serial.so.103", "libhdf5.so.310", "libhdf5.so.200", "libhdf5.so.103"];
const PARALLEL: Record<Hdf5Mpi, string[]> = {
  mpich: ["libhdf5_mpich.so.103", "libhdf5_mpich.so.200", "libhdf5_mpich.so.310"],
  openmpi: ["libhdf5_openmpi.so.103", "libhdf5_openmpi.so.200", "libhdf5_openmpi.so.310"],
};

/**
 * The candidate sonames, in order. With `mpi` (the ABI of the libmpi already
 * loaded) only the parallel builds for that MPI; else, under an MPI launcher,
 * the matching parallel build first, and otherwise the serial builds first.
 *
 * @param mpi The MPI flavour the library must be built against.
 * @returns Sonames to try.
 */
export function hdf5Candidates(mpi?: Hdf5Mpi): string[] {
  if (mpi !== undefined) return [...PARALLEL[mpi]];
  const launcher = underMpiLauncher();
  if (launcher === "openmpi") return [...PARALLEL.openmpi, ...PARALLEL.mpich, ...SERIAL];
  if (launcher === "mpich") return [...PARALLEL.mpich, ...PARALLEL.openmpi, ...SERIAL];
  return [...SERIAL, ...PARALLEL.mpich, ...PARALLEL.openmpi];
}

let loaded: Hdf5Library | null = null;
let walkCallback: Deno.UnsafeCallback<WalkDef> | null = null;
let walked: { desc: string; func: string; minor: string }[] = [];

const WALK_DEF = {
  parameters: ["u32", "pointer", "pointer"],
  result: "i32",
} as const satisfies Deno.UnsafeCallbackDefinition;
type WalkDef = typeof WALK_DEF;

/**
 * The library, loaded on first use (never at import): TESSERA_HDF5_LIB, then
 * {@link hdf5Candidates}. Calls H5open, binds the predefined ids and turns off
 * HDF5's automatic error printing. `mpi` asks for the parallel build matching
 * the libmpi already loaded; whether the library that ends up loaded (possibly
 * earlier, without `mpi`) fits is for the caller to check with `parallel`.
 *
 * @param mpi The MPI flavour of the parallel build wanted, if any.
 * @returns The loaded library.
 */
export function hdf5(mpi?: Hdf5Mpi): Hdf5Library {
  if (loaded) return loaded;
  const { lib, path } = openLibrary(
    "libhdf5",
    "TESSERA_HDF5_LIB",
    hdf5Candidates(mpi),
    SYMBOLS,
  );
  const fn = lib.symbols;
  // never unmapped: see pinLibrary (a SIGSEGV at exit otherwise)
  pinLibrary(path);
  if (fn.H5open() < 0) throw new Hdf5Error("H5open", -1, "cannot initialise the library");
  const ids = Deno.dlopen(path, STATICS).symbols as unknown as Hdf5Library["ids"];
  fn.H5Eset_auto2(H5E_DEFAULT, null, null);
  const v = new Uint32Array(3);
  fn.H5get_libversion(v.subarray(0, 1), v.subarray(1, 2), v.subarray(2, 3));
  // a build with the MPI-IO driver is parallel; its flavour is in the soname, else (an
  // override path without it) it is taken to be the one asked for
  const parallel: Hdf5Mpi | null = fn.H5Pset_dxpl_mpio === null
    ? null
    : /openmpi/.test(path)
    ? "openmpi"
    : /mpich/.test(path)
    ? "mpich"
    : mpi ?? underMpiLauncher() ?? "mpich";
  const objectsAtLoad = Number(fn.H5Fget_obj_count(BigInt(H5F_OBJ.ALL), H5F_OBJ.ALL));
  loaded = { fn, ids, path, version: `${v[0]}.${v[1]}.${v[2]}`, parallel, objectsAtLoad };
  return loaded;
}

/**
 * The address of libhdf5's own deflate filter class (`H5Z_DEFLATE`, an
 * exported `const H5Z_class2_t[1]`), to register it again after a
 * replacement; null when the library does not export it.
 *
 * @returns The class's address, or null.
 */
export function builtinDeflateClass(): Deno.PointerValue {
  const { path } = hdf5();
  try {
    // a static declared "pointer" reads as the symbol's address (see OMPI_INFO)
    return Deno.dlopen(path, { H5Z_DEFLATE: { type: "pointer" } }).symbols
      .H5Z_DEFLATE as Deno.PointerValue;
  } catch {
    return null;
  }
}

const MPICH_INFO = {
  // int MPI_Info_create(MPI_Info *info)
  MPI_Info_create: { parameters: ["buffer"], result: "i32" },
  // int MPI_Info_set(MPI_Info info, const char *key, const char *value)
  MPI_Info_set: { parameters: ["i32", "buffer", "buffer"], result: "i32" },
} as const satisfies Deno.ForeignLibraryInterface;

/**
 * The MPI_Info passed with MPICH: ROMIO's data sieving on reads
 * (`romio_ds_read`) made collective reads of chunked datasets 25x slower here
 * (2.1 s against 0.08 s for 256 MiB on 2 ranks), so it is disabled. Falls
 * back to MPI_INFO_NULL when the info cannot be made.
 */
function mpichInfo(mpiPath: string): number {
  try {
    const mpi = Deno.dlopen(mpiPath, MPICH_INFO).symbols;
    const out = new Int32Array(1);
    if (mpi.MPI_Info_create(out) !== 0) return MPICH_INFO_NULL;
    const c = (t: string): Uint8Array => new TextEncoder().encode(`${t}\0`);
    if (mpi.MPI_Info_set(out[0], c("romio_ds_read"), c("disable")) !== 0) return MPICH_INFO_NULL;
    return out[0];
  } catch {
    return MPICH_INFO_NULL;
  }
}

let mpioBinding: ((fapl: Hid, comm: number | Deno.PointerValue) => number) | null = null;

/**
 * Sets the MPI-IO file driver on a file access property list, with the
 * communicator `comm` (a raw handle: an int for MPICH, a pointer for Open
 * MPI) and, under MPICH, an info disabling ROMIO's read data sieving
 * (`MPI_INFO_NULL` under Open MPI). HDF5 duplicates both.
 *
 * @param fapl The file access property list.
 * @param comm The raw MPI_Comm handle.
 * @param abi The ABI of the libmpi that made `comm`.
 * @param mpiPath The path of that libmpi (Open MPI's MPI_INFO_NULL is read from it).
 * @throws {Hdf5Error} When the loaded libhdf5 is serial or built for the other MPI.
 */
export function setFaplMpio(
  fapl: Hid,
  comm: number | Deno.PointerValue,
  abi: Hdf5Mpi,
  mpiPath: string,
): void {
  const h = hdf5(abi);
  if (h.parallel !== abi) {
    throw new Hdf5Error(
      "H5Pset_fapl_mpio",
      -1,
      `libhdf5 "${h.path}" is ${
        h.parallel === null ? "a serial build" : `built for ${h.parallel}`
      }, but the communicator is ${abi}: load the matching parallel build (libhdf5_${abi}), ` +
        `e.g. set TESSERA_HDF5_LIB, and open no HDF5 file before MPI is initialised`,
    );
  }
  if (mpioBinding === null) {
    if (abi === "mpich") {
      const f = Deno.dlopen(h.path, MPIO_MPICH).symbols.H5Pset_fapl_mpio;
      const info = mpichInfo(mpiPath);
      mpioBinding = (p, c) => f(p, c as number, info);
    } else {
      const f = Deno.dlopen(h.path, MPIO_OMPI).symbols.H5Pset_fapl_mpio;
      const info = Deno.dlopen(mpiPath, OMPI_INFO).symbols.ompi_mpi_info_null;
      mpioBinding = (p, c) => f(p, c as Deno.PointerValue, info);
    }
  }
  check(mpioBinding(fapl, comm), "H5Pset_fapl_mpio");
}

/** Encodes a JS string as a NUL-terminated C string. */
export function cstr(s: string): Uint8Array<ArrayBuffer> {
  const b = new TextEncoder().encode(s);
  const out = new Uint8Array(b.length + 1);
  out.set(b);
  return out;
}

/** hsize_t[] from numbers. */
export function hsize(values: readonly number[]): BigUint64Array<ArrayBuffer> {
  return BigUint64Array.from(values, (v) => BigInt(v));
}

function readMsg(id: bigint): string {
  const fn = hdf5().fn;
  const buf = new Uint8Array(256);
  const n = Number(fn.H5Eget_msg(id, null, buf, 256n));
  return n > 0 ? new TextDecoder().decode(buf.subarray(0, Math.min(n, 255))) : "";
}

/**
 * The current error stack, innermost message last, and clears it. Empty
 * when the stack is empty.
 *
 * @returns One entry per record: function, description, minor message.
 */
export function errorStack(): { desc: string; func: string; minor: string }[] {
  const fn = hdf5().fn;
  if (!walkCallback) {
    walkCallback = new Deno.UnsafeCallback(WALK_DEF, (_n, err) => {
      if (err === null) return 0;
      // H5E_error2_t: hid_t cls_id, maj_num, min_num; unsigned line;
      // const char *func_name, *file_name, *desc
      const v = new Deno.UnsafePointerView(err);
      const minId = v.getBigInt64(16);
      const str = (off: number): string => {
        const p = v.getPointer(off);
        return p === null ? "" : Deno.UnsafePointerView.getCString(p);
      };
      walked.push({ func: str(32), desc: str(48), minor: readMsg(minId) });
      return 0;
    });
  }
  walked = [];
  fn.H5Ewalk2(H5E_DEFAULT, 1, walkCallback.pointer, null); // H5E_WALK_DOWNWARD: outermost first
  fn.H5Eclear2(H5E_DEFAULT);
  const out = walked;
  walked = [];
  return out;
}

/** Where a failed call happened, for messages. */
export interface Hdf5Context {
  /** The file concerned. */
  readonly file?: string;
  /** The object path inside the file. */
  readonly object?: string;
}

/**
 * Throws an Hdf5Error carrying the error stack when `rc` is negative.
 *
 * @param rc The return value (hid_t, herr_t, htri_t, ssize_t).
 * @param symbol The C function.
 * @param context The file and object concerned.
 * @returns `rc`, unchanged.
 */
export function check<T extends number | bigint>(
  rc: T,
  symbol: string,
  context: Hdf5Context = {},
): T {
  if (rc >= 0) return rc;
  if (symbol === "H5Fclose") skipHdf5ExitHandler();
  throw hdf5Error(symbol, Number(rc), context);
}

let exitGuarded = false;

// A file whose H5Fclose failed (its final flush hit EFBIG or ENOSPC) stays in
// a half-closed state that libhdf5 1.10's own exit handler (H5_term_library,
// registered with atexit) dereferences and crashes on: exit code 139 after
// the error was reported and the temporary removed. After such a failure the
// process leaves through _exit with the exit code it chose, skipping the C
// exit handlers (there is nothing left to flush: the failed file is
// discarded; a file some other code left open is not flushed by HDF5 then).
function skipHdf5ExitHandler(): void {
  if (exitGuarded) return;
  exitGuarded = true;
  globalThis.addEventListener("unload", () => {
    try {
      const libc = Deno.dlopen("libc.so.6", {
        fflush: { parameters: ["pointer"], result: "i32" },
        _exit: { parameters: ["i32"], result: "void" },
      });
      libc.symbols.fflush(null);
      libc.symbols._exit(Deno.exitCode);
    } catch { /* no libc by that name: leave through exit() */ }
  });
}

/**
 * Builds the error for a failed call from the current error stack.
 *
 * @param symbol The C function.
 * @param code Its return value.
 * @param context The file and object concerned.
 * @returns The error (not thrown).
 */
export function hdf5Error(symbol: string, code: number, context: Hdf5Context = {}): Hdf5Error {
  const records = errorStack();
  const parts: string[] = [];
  for (const r of records) {
    const text = r.minor && r.minor !== r.desc ? `${r.desc} (${r.minor})` : r.desc;
    if (parts[parts.length - 1] !== text) parts.push(text);
  }
  const text = parts.length > 0 ? parts.join(": ") : "unknown error (empty HDF5 error stack)";
  return new Hdf5Error(
    symbol,
    code,
    text,
    context,
    records.map((r) => `${r.func}(): ${r.desc}${r.minor ? ` (${r.minor})` : ""}`),
  );
}
