print("towers")
