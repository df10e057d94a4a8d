"""The conversation engine: intake flow, catalogs, time reading and case creation."""
