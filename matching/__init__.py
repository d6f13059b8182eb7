"""Diandan's pure matching engine: dispatch volunteer service orders to teams."""

from matching.constraints import validate
from matching.domain import Instance, Preferences, Solution, Unassigned
from matching.explain import REASONS
from matching.io import InstanceError, instance_from_dict, instance_to_dict, solution_from_dict, solution_to_dict
from matching.params import Progress, ProgressCallback, SearchParams
from matching.redispatch import redispatch
from matching.solver import solve
from matching.split import merge_solutions, split_instance

__all__ = [
    "REASONS",
    "Instance",
    "InstanceError",
    "Preferences",
    "Progress",
    "ProgressCallback",
    "SearchParams",
    "Solution",
    "Unassigned",
    "instance_from_dict",
    "instance_to_dict",
    "merge_solutions",
    "redispatch",
    "solution_from_dict",
    "solution_to_dict",
    "solve",
    "split_instance",
    "validate",
]
