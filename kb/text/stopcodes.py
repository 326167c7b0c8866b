"""Windows bug check (STOP code) names and their codes, as Microsoft's bug check reference lists
them: data for the analysis stage, so that ``IRQL_NOT_LESS_OR_EQUAL`` and ``STOP 0x0000000A`` are the
same identifier (``0xa``) in content and in queries. General facts, not tied to any advisory; the
browser gets the same table (``P.STOP_CODES``).
"""

from __future__ import annotations

STOP_CODES: dict[str, int] = {
    # name (lowercase) -> bug check code
    "apc_index_mismatch": 0x01,
    "irql_not_less_or_equal": 0x0A,
    "trap_cause_unknown": 0x12,
    "bad_pool_header": 0x19,
    "memory_management": 0x1A,
    "kmode_exception_not_handled": 0x1E,
    "file_system": 0x22,
    "fat_file_system": 0x23,
    "ntfs_file_system": 0x24,
    "data_bus_error": 0x2E,
    "system_service_exception": 0x3B,
    "interrupt_exception_not_handled": 0x3D,
    "multiple_irp_complete_requests": 0x44,
    "pfn_list_corrupt": 0x4E,
    "page_fault_in_nonpaged_area": 0x50,
    "hal_initialization_failed": 0x5C,
    "process1_initialization_failed": 0x6B,
    "bad_system_config_info": 0x74,
    "kernel_stack_inpage_error": 0x77,
    "kernel_data_inpage_error": 0x7A,
    "inaccessible_boot_device": 0x7B,
    "system_thread_exception_not_handled": 0x7E,
    "unexpected_kernel_mode_trap": 0x7F,
    "nmi_hardware_failure": 0x80,
    "machine_check_exception": 0x9C,
    "driver_power_state_failure": 0x9F,
    "attempted_write_to_readonly_memory": 0xBE,
    "special_pool_detected_memory_corruption": 0xC1,
    "bad_pool_caller": 0xC2,
    "driver_verifier_detected_violation": 0xC4,
    "driver_corrupted_expool": 0xC5,
    "driver_unloaded_without_cancelling_pending_operations": 0xCE,
    "driver_irql_not_less_or_equal": 0xD1,
    "driver_page_fault_in_freed_special_pool": 0xD5,
    "thread_stuck_in_device_driver": 0xEA,
    "unmountable_boot_volume": 0xED,
    "critical_process_died": 0xEF,
    "critical_object_termination": 0xF4,
    "driver_overran_stack_buffer": 0xF7,
    "attempted_execute_of_noexecute_memory": 0xFC,
    "bugcode_usb_driver": 0xFE,
    "clock_watchdog_timeout": 0x101,
    "critical_structure_corruption": 0x109,
    "video_tdr_failure": 0x116,
    "video_tdr_timeout_detected": 0x117,
    "whea_uncorrectable_error": 0x124,
    "dpc_watchdog_violation": 0x133,
    "kernel_security_check_failure": 0x139,
    "unexpected_store_exception": 0x154,
}
"""Bug check names (lowercase, as normalized text has them) and their codes."""
