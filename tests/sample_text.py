"""A few plain Swahili sentences for test tokenizers and toy instruction pairs."""

SWAHILI_SENTENCES = [
    "Habari ya asubuhi, rafiki yangu. Leo tutajifunza Kiswahili.",
    "Kiswahili ni lugha ya Afrika Mashariki inayozungumzwa na watu wengi.",
    "Eleza jinsi ya kupika wali na maharagwe kwa familia ya watu wanne.",
    "Mji mkuu wa Kenya ni Nairobi, na mji mkuu wa Tanzania ni Dodoma.",
    "Mwanafunzi alisoma kitabu kwa sababu alitaka kufaulu mtihani.",
    "Mvua ilinyesha sana, kwa hiyo barabara zilijaa maji.",
    "Tafadhali andika shairi fupi kuhusu bahari na jua.",
    "Wakulima hupanda mahindi wakati wa msimu wa mvua za masika.",
]
