"""The words the demo data is made of: category and tag names, product name parts, people, cities.

The generator draws from these lists by position: reordering a list changes which word a seed
picks, and changing a list's length can shift every later draw. Either changes the JSON that
the same seed gives.
"""

from __future__ import annotations

CATEGORIES = [
    "Audio",
    "Books",
    "Cameras",
    "Furniture",
    "Garden",
    "Kitchen",
    "Lighting",
    "Outdoor",
    "Office",
    "Sports",
    "Toys",
    "Travel",
]
TAGS = [
    "bestseller",
    "bundle",
    "clearance",
    "eco",
    "exclusive",
    "fragile",
    "gift",
    "handmade",
    "imported",
    "limited",
    "new",
    "oversized",
    "premium",
    "refurbished",
    "sale",
    "seasonal",
    "smart",
    "vintage",
    "waterproof",
    "wireless",
]
ADJECTIVES = [
    "Compact",
    "Deluxe",
    "Ergonomic",
    "Foldable",
    "Heavy-Duty",
    "Lightweight",
    "Modular",
    "Portable",
    "Rustic",
    "Sleek",
    "Solid",
    "Vintage",
    "Wireless",
    "Classic",
    "Smart",
]
MATERIALS = ["Oak", "Steel", "Bamboo", "Leather", "Cotton", "Glass", "Aluminium", "Ceramic", "Wool"]
NOUNS = [
    "Chair",
    "Lamp",
    "Speaker",
    "Backpack",
    "Kettle",
    "Desk",
    "Tent",
    "Camera",
    "Notebook",
    "Headphones",
    "Planter",
    "Bottle",
    "Blanket",
    "Clock",
    "Bicycle",
    "Mug",
    "Shelf",
    "Drone",
]
FIRST_NAMES = [
    "Ada",
    "Björn",
    "Chloé",
    "Dmitri",
    "Emeka",
    "Fatima",
    "Grace",
    "Hiro",
    "Inès",
    "Jonas",
]
LAST_NAMES = ["Adeyemi", "Berg", "Costa", "Dubois", "Eriksen", "Fischer", "García", "Hansen", "Ito"]
CITIES = ["Amsterdam", "Berlin", "Lisbon", "Lyon", "Oslo", "Porto", "Utrecht", "Vienna"]

__all__ = [
    "ADJECTIVES",
    "CATEGORIES",
    "CITIES",
    "FIRST_NAMES",
    "LAST_NAMES",
    "MATERIALS",
    "NOUNS",
    "TAGS",
]
