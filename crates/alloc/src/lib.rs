//! perflab-alloc: global-allocator selection and allocation counting.
