"""Diandan's pure matching engine: dispatch volunteer service orders to teams."""

from matching.constraints import validate
from matching.domain import Instance, Preferences, Solution
from matching.io import InstanceError, instance_from_dict, instance_to_dict, solution_from_dict, solution_to_dict
from matching.redispatch import redispatch
from matching.solver import solve
from matching.split import merge_solutions, split_instance

__all__ = [
    "Instance",
    "Solution",
    "Preferences",
    "solve",
    "redispatch",
    "validate",
    "instance_from_dict",
    "instance_to_dict",
    "solution_from_dict",
    "solution_to_dict",
    "InstanceError",
    "split_instance",
    "merge_solutions",
]
